set terminal pngcairo noenhanced size 900,800 font 'Sans,10'
set output 'prelu_slopes.png'
reset
set multiplot layout 2,1 title "PReLU slopes (one per layer, init 0.1), mnist-digits, 5 seed(s), SGD lr 0.01 momentum 0.9 batch 256"
set grid
set lmargin 10
set rmargin 3
set key outside top center horizontal
set xrange [0:147]
set ylabel 'learned slope'
set style fill transparent solid 0.2 noborder
plot 'prelu_slopes.dat' index 0 using 1:($2-$3):($2+$3) with filledcurves lc rgb '#1f77b4' title 'act1 (784->1000) mean +- std', \
     '' index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' notitle, \
     for [i=1:5] 'prelu_slopes.dat' index i using 1:2 with lines lw 0.5 lc rgb '#1f77b4' notitle, \
     'prelu_slopes.dat' index 0 using 1:($4-$5):($4+$5) with filledcurves lc rgb '#d62728' title 'act2 (1000->100) mean +- std', \
     '' index 0 using 1:4 with lines lw 2 lc rgb '#d62728' notitle, \
     for [i=1:5] 'prelu_slopes.dat' index i using 1:3 with lines lw 0.5 lc rgb '#d62728' notitle, \
     0 with lines lc rgb 'black' dt 3 notitle
set xlabel 'epoch'
set ylabel 'loss'
set logscale y
plot 'prelu_slopes.dat' index 0 using 1:6:7 every ::1 with yerrorlines pt 7 ps 0.5 lc rgb '#2ca02c' title 'train loss (mean +- std)', \
     '' index 0 using 1:8:9 every ::1 with yerrorlines pt 7 ps 0.5 lc rgb '#9467bd' title 'test loss (mean +- std)'
unset multiplot
set output
set terminal svg noenhanced size 900,800 dynamic font 'Sans,10'
set output 'prelu_slopes.svg'
reset
set multiplot layout 2,1 title "PReLU slopes (one per layer, init 0.1), mnist-digits, 5 seed(s), SGD lr 0.01 momentum 0.9 batch 256"
set grid
set lmargin 10
set rmargin 3
set key outside top center horizontal
set xrange [0:147]
set ylabel 'learned slope'
set style fill transparent solid 0.2 noborder
plot 'prelu_slopes.dat' index 0 using 1:($2-$3):($2+$3) with filledcurves lc rgb '#1f77b4' title 'act1 (784->1000) mean +- std', \
     '' index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' notitle, \
     for [i=1:5] 'prelu_slopes.dat' index i using 1:2 with lines lw 0.5 lc rgb '#1f77b4' notitle, \
     'prelu_slopes.dat' index 0 using 1:($4-$5):($4+$5) with filledcurves lc rgb '#d62728' title 'act2 (1000->100) mean +- std', \
     '' index 0 using 1:4 with lines lw 2 lc rgb '#d62728' notitle, \
     for [i=1:5] 'prelu_slopes.dat' index i using 1:3 with lines lw 0.5 lc rgb '#d62728' notitle, \
     0 with lines lc rgb 'black' dt 3 notitle
set xlabel 'epoch'
set ylabel 'loss'
set logscale y
plot 'prelu_slopes.dat' index 0 using 1:6:7 every ::1 with yerrorlines pt 7 ps 0.5 lc rgb '#2ca02c' title 'train loss (mean +- std)', \
     '' index 0 using 1:8:9 every ::1 with yerrorlines pt 7 ps 0.5 lc rgb '#9467bd' title 'test loss (mean +- std)'
unset multiplot
set output
