set terminal pngcairo noenhanced size 900,750 font 'Sans,10'
set output 'final.png'
reset
set multiplot layout 2,1 title "cnn_bn_fashion.pbtxt: fashion_cos30 (augment shift=2, SGD 0.05 cosine, wd 5e-4, 30 epochs), all of fashion-mnist train, 1 seed(s); curves: fashion-mnist test split"
set grid
set lmargin 10
set rmargin 3
set key outside top center horizontal
set ylabel 'test accuracy'
set style fill transparent solid 0.2 noborder
plot 'final.dat' index 0 using 1:($2-$3):($2+$3) with filledcurves lc rgb '#2ca02c' title 'mean +- std over seeds', \
     'final.dat' index 0 using 1:2 with lines lw 2 lc rgb '#2ca02c' notitle, \
     for [i=1:1] 'final.dat' index i using 1:2 with lines lw 0.5 lc rgb '#2ca02c' notitle
set xlabel 'epoch'
set ylabel 'loss'
set logscale y
plot 'final.dat' index 0 using 1:6 with lines lw 2 lc rgb '#1f77b4' title 'train loss (mean)', \
     'final.dat' index 0 using 1:4 with lines lw 2 lc rgb '#d62728' title 'test loss (mean)'
unset multiplot
set output
set terminal svg noenhanced size 900,750 dynamic font 'Sans,10'
set output 'final.svg'
reset
set multiplot layout 2,1 title "cnn_bn_fashion.pbtxt: fashion_cos30 (augment shift=2, SGD 0.05 cosine, wd 5e-4, 30 epochs), all of fashion-mnist train, 1 seed(s); curves: fashion-mnist test split"
set grid
set lmargin 10
set rmargin 3
set key outside top center horizontal
set ylabel 'test accuracy'
set style fill transparent solid 0.2 noborder
plot 'final.dat' index 0 using 1:($2-$3):($2+$3) with filledcurves lc rgb '#2ca02c' title 'mean +- std over seeds', \
     'final.dat' index 0 using 1:2 with lines lw 2 lc rgb '#2ca02c' notitle, \
     for [i=1:1] 'final.dat' index i using 1:2 with lines lw 0.5 lc rgb '#2ca02c' notitle
set xlabel 'epoch'
set ylabel 'loss'
set logscale y
plot 'final.dat' index 0 using 1:6 with lines lw 2 lc rgb '#1f77b4' title 'train loss (mean)', \
     'final.dat' index 0 using 1:4 with lines lw 2 lc rgb '#d62728' title 'test loss (mean)'
unset multiplot
set output
